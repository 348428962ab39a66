from base import X

DOUBLE = X * 2
