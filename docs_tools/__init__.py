"""The tools that write the guide's generated parts (docs/): never imported by the apps."""
