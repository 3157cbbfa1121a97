"""The core both front ends share: the API client, the plan and its execution.

It knows nothing of Pulumi or of which front end called it: the dynamic
resource (`provider.notebook`) and the provider plugin (`provider.plugin`)
each translate its plain answers for their SDK. Nothing is imported here, so
a program that loads the light modules (`fields`, `identity`) stays light.
"""
