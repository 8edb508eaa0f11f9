"""Speed comparisons: naive vs vectorised c182lib vs PyTorch (where installed)."""
