"""The runtime layer: where and how the network runs.

- :mod:`~stancekit.runtime.device`: device and dtype, resolved once, with the hardware checks behind the defaults;
- :mod:`~stancekit.runtime.engines`: the engines that run a forward pass (PyTorch, ONNX Runtime) behind one
  small :class:`~stancekit.runtime.engines.Engine` protocol, and the rule that picks one;
- :mod:`~stancekit.runtime.batching`: the one batched inference loop every entry point goes through.

Vocabulary used everywhere: a *batch* is one forward pass; a *window* is the rows the loop tokenizes, sorts by
length and cuts into batches together (it bounds memory for any stream); a *chunk* is the rows file scoring reads,
scores and commits at a time (:mod:`stancekit.scoring`).
"""
