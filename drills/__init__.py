"""Fault drills: PostgreSQL stopped, crashed and restarted under writers (``make faults``), and reads on a
streaming standby (``python drills/standby.py``). Each runs its own PostgreSQL cluster; none is part of CI."""
