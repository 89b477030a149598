"""The packager: `api` (package, validate) runs `pipeline.PIPELINE` over a `model`, then writes `vsix`."""
