
runs/quickstartpixel%configs/reduced/fig5_adversarial.toml*
0.1.01.13.