"""REST API of cases under /api/v1/ (thin views; input and output serializers kept apart)."""
