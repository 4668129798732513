"""One module per part of the summary; each `build(ctx, width, overflow)` returns flowables."""
