"""Pure functions from DataFrames to Plotly figures; nothing here queries or imports services."""
