"""An example remote app: its own FastAPI server that installs itself into Tanzi shops
through OAuth, receives signed ``order.paid`` webhooks and calls the shop's API back."""
