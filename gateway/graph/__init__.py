"""What both graphs share: the request context, expected failures as types, pagination, hardening."""
