"""What a user takes away: a standalone Keras script and result files."""
