export TANZI_TOKEN=$(tanzi-sdk token --marketplace http://127.0.0.1:8000 --email provider@demo.tanzi)
tanzi-sdk submit --marketplace http://127.0.0.1:8000 --notes "First release"
