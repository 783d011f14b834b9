"""The scale benchmark: time import, dashboard, retrain, prediction and memory against their targets."""
