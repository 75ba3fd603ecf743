"""The web console: the dispatcher's screen, the officer's view and the sign-in page.

Server-rendered Jinja pages plus plain ES modules and CSS from ``static/``. Everything
interactive goes through the public JSON API under ``/api/v1`` and its event stream; the
console has no private back door.
"""
