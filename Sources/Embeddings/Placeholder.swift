// Embeddings
