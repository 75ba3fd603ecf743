"""The API's request models (pydantic), one module per context; responses are the
contexts' records."""
