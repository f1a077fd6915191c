"""The command line: parse flags, call the domain packages, format the result. No domain logic here."""
