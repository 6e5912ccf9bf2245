"""Mechanical verification of a design: load cases, volume meshes, a linear-elastic static solver and its validation.

GUI-free; imports ``base`` and ``geometry`` only. The analysis assumes linear elasticity, small strains, an
isotropic homogeneous material and static loads (see README, "Mechanical verification").
"""
