"""The bundled sample reports (seed/, faulty/, …), shipped as package data `cotmoc.bundled_samples` so that
`cotmoc demo` works from an installed wheel too. No code: see inputs/README.md."""
