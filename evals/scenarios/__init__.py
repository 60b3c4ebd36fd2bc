"""The shipped eval scenarios (YAML, one a file); a package only so installs carry the files."""
