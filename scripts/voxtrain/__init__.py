"""voxstream's training tools: corpus building, features, models, export. Run with Debian's /usr/bin/python3."""
