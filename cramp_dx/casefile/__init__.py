"""Case files (`cramp-dx-case/1` JSON): reading one into a Workup, validated against the
knowledge base's vocabulary, and writing one back. Above `knowledge` (it checks ids against
it); the Workup model it builds lives below, in `cramp_dx.case`."""
