"""emiAI core: QGIS-free science for EMI inversion (numpy/scipy; TensorFlow only for training)."""
__version__ = "0.1.0"
