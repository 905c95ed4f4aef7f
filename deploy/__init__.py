"""Hosting LSTM Lab for a workshop: several web replicas behind nginx, sharing one store and one Ray cluster.

Each piece is a real server started on a free loopback port with its own directory and stopped by its PID:
:mod:`deploy.postgres`, :mod:`deploy.ray_head`, :mod:`deploy.replica`, :mod:`deploy.nginx`.
:mod:`deploy.stack` starts them together; ``bash deploy/replicas.sh N`` runs that stack until Ctrl-C.
"""
