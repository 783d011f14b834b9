"""Request helpers for the Dash app: runtime accessor, sign-in, request guard, security headers, vendored assets."""
