"""The layers of defence of file scoring and model loading, one module each (issue 23): input formats, options and
output paths, concurrency and locking, the resume fingerprint, model-folder validation. Each case either gives
every input row an output row (with an ``error`` where it could not be scored), in order, or stops before any
work with a message naming the file, row or column."""
