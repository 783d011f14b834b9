"""The room-day simulation: pure numpy over case distributions and turnover history; no database, no dash."""
