"""Problems: the book of causes, the detector that reads them from output,
push attempts, rule patterns.
"""
