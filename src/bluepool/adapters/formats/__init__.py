"""Documents bluepool writes for people: the printed forms and the statements, as PDF."""
