pytest                                 # the FakeShop tests and the sandbox tests
tanzi-sdk validate --strict            # what the host and the reviewers check
tanzi-sdk fire order_paid              # one hook, a sample event, a fake shop: what it did
