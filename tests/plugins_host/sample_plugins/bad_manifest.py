"""A test plugin whose manifest is wrong."""

manifest = {"id": "Bad Id!", "name": "Bad", "version": "not-a-version"}
