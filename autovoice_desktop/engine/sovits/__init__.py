"""So-VITS-SVC 4.0/4.1 models: config, checkpoint loading, SynthesizerTrn, NSF-HiFi-GAN."""
