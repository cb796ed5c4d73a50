"""Homework 1, Part 3: train an MLP on MNIST with your MyTorch."""
