"""Reading policy documents and control guidance into clause-aware chunks.

Nothing here knows about embeddings, Chroma or Slack.
"""
