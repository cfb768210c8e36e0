"""Answers every GET with the deployed version and the instance's region, as JSON."""
import json
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

VERSION = (Path(__file__).parent / 'VERSION').read_text().strip()


def instance_region():
    # IMDSv2: a session token first, then the region
    token_request = urllib.request.Request(
        'http://169.254.169.254/latest/api/token', method='PUT',
        headers={'X-aws-ec2-metadata-token-ttl-seconds': '60'})
    token = urllib.request.urlopen(token_request, timeout=2).read().decode()
    region_request = urllib.request.Request(
        'http://169.254.169.254/latest/meta-data/placement/region',
        headers={'X-aws-ec2-metadata-token': token})
    return urllib.request.urlopen(region_request, timeout=2).read().decode()


REGION = instance_region()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({'app': 'sample-app-codedeploy', 'version': VERSION, 'region': REGION}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == '__main__':
    HTTPServer(('', 80), Handler).serve_forever()
