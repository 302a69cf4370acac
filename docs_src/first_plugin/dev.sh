tanzi-sdk dev --port 8000                  # a local Tanzi at http://127.0.0.1:8000, acme_thanks in demo shop 1
python try_it.py 1 http://127.0.0.1:8000   # another terminal: a paid order, then its note
tanzi-sdk fire order_paid --dev            # or: one event through the local host, no server needed
