"""Knowledge base: catalog and FAQ ingestion, the Chroma index, hybrid search, HTTP API."""
