// The simulator and the chain fixtures live in VigilSimulation (so the release-built
// `vigil-sim` needs no store); tests see them through VigilTestSupport as before.
@_exported public import VigilSimulation
