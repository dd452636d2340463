"""The local, versioned index: embeddings, Chroma, the document registry and hybrid search."""
