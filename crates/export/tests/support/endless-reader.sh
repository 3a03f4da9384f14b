#!/bin/sh
# A misbehaving PDF reader program for the sandbox tests: prints text for ever.
exec yes 'text text text text text text text text'
