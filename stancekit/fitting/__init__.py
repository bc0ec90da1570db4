"""The fitting layer: everything that makes or changes a model folder.

Training config and trainer, distillation, n-gram expert fitting, calibration fitting, evaluation on held-out
splits, the model card, model soups and the TF-IDF baseline. It depends on the model layer; the model layer
never imports it.
"""
