"""Documents bluepool writes for people: statements as PDF."""
