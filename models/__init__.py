"""Pure torch models, data loaders, training and evaluation. Never imports Qt or app."""
