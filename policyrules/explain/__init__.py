"""Stage 4, Decision -> calculation cards in English or Chinese, and JSON data."""
