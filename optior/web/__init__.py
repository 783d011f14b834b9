"""The Dash app: factory, shell layout, static vendor files and security headers."""
