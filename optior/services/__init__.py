"""What a user can do: import, analytics, metrics, predict, retrain. Owns transactions."""
