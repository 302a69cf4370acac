tanzi-sdk dev                          # local Tanzi on :8000 with acme_thanks in demo shop 1
python try_it.py 1                     # another terminal: a paid order, then its note
tanzi-sdk fire order_paid --dev         # or: one event through the local host, no server needed
