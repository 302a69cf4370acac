tanzi-sdk new acme_labels --dir acme_labels            # a project whose tests pass as made
tanzi-sdk validate acme_labels --strict                # manifest, hooks, scopes vs their use
tanzi-sdk fire order_paid --plugin acme_labels --data '{"total_fen": 99}' --settings '{}'
tanzi-sdk dev --plugin acme_labels --port 8000 --data-dir .tanzi-dev
tanzi-sdk fire order_paid --dev --plugin acme_labels --data-dir .tanzi-dev
tanzi-sdk token --marketplace https://tanzi.example --email you@example.com
tanzi-sdk submit acme_labels --marketplace https://tanzi.example --token "$TANZI_TOKEN" --notes "First release"
