"""The duration model: features, estimators, calibrated ranges, evaluation and the model registry."""
