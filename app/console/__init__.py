"""The operator console and the consumer portal: pages and routes over the same services."""
