import { coordinates, MAVEN_DEPENDENCY_PLUGIN_VERSION, renderPom } from './maven';

describe('renderPom', () => {
  const pom = renderPom('kafka', [
    { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: '3.9.2' },
    { groupId: 'com.almworks.sqlite4java', artifactId: 'libsqlite4java-linux-amd64', version: '1.0.392', type: 'so' },
  ]);

  it('declares each dependency, with a type only when it is not a jar', () => {
    expect(pom).toContain(
      '<groupId>org.apache.kafka</groupId>\n      <artifactId>kafka_2.13</artifactId>\n      <version>3.9.2</version>\n    </dependency>',
    );
    expect(pom).toContain('<version>1.0.392</version>\n      <type>so</type>');
    expect(pom.match(/<type>/g)).toHaveLength(1);
  });

  it('is a pom-packaged project that pins the dependency plugin', () => {
    expect(pom).toContain('<artifactId>kafka-runtime</artifactId>');
    expect(pom).toContain('<packaging>pom</packaging>');
    expect(pom).toContain(`<artifactId>maven-dependency-plugin</artifactId>\n          <version>${MAVEN_DEPENDENCY_PLUGIN_VERSION}</version>`);
  });

  it('escapes XML in coordinates', () => {
    expect(renderPom('x', [{ groupId: 'a&b', artifactId: '<c>', version: '1' }])).toContain('<groupId>a&amp;b</groupId>');
  });
});

describe('coordinates', () => {
  it('is g:a:v with the type appended when given', () => {
    expect(coordinates({ groupId: 'g', artifactId: 'a', version: '1' })).toBe('g:a:1');
    expect(coordinates({ groupId: 'g', artifactId: 'a', version: '1', type: 'so' })).toBe('g:a:1:so');
  });
});
