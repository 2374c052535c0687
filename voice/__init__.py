"""The voice gateway: shoppers speak to the shop in the browser or over a phone line.

Speech to text and text to speech are Wyoming services in their own processes (faster-whisper
and Piper by default); the gateway streams audio to them and talks to Rasa as a channel
client, like the web widget."""
