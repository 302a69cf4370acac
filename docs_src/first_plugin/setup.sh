make install                           # in a Tanzi checkout: tanzi, tanzi-sdk and pytest in .venv/bin
. .venv/bin/activate
tanzi-sdk new acme_thanks --dir ../acme_thanks --display-name "Thank-you notes"
cd ../acme_thanks
