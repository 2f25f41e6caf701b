"""Processing provider and algorithms of emiAI for QGIS (thin glue over emiai_core)."""
